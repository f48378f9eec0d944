"""kasacloud's benchmarks: ``python -m benchmarks [NAME ...]`` (``python3 dev.py bench``)."""
