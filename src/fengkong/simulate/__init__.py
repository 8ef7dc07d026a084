"""Synthetic, contract-conformant traffic with the labelled fraud scenarios of the source documents."""
