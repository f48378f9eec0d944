"""kasacloud.web."""
