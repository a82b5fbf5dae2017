"""Run modes: backtest (offline), paper, live and shadow."""
