"""Benchmarks, side by side with peers (ccxt), reported as ratios."""
