"""DenialOps benchmarks: `make bench` (or `python -m bench [section ...]`) prints one table per
section. Compare figures within one run: this machine is shared and noisy."""
