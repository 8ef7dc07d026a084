"""Identity checks: resident ID numbers (GB 11643), later phones, card numbers and passwords."""
