"""kasacloud.sim."""
