"""Lists (R4, R6): block and allow lists, stop-payment and freeze orders, penalties."""
