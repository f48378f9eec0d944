"""kasacloud.client."""
