"""kasacloud.cli."""
