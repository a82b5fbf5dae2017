"""Execution: intent journal, client order ids, order state machine, sending and follow-up."""
