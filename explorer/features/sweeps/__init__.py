"""The Sweep tab: a sweep folder (`main.py sweep --out DIR`) drawn and loadable, trial by trial."""
