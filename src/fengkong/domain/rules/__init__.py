"""The analysts' rule language: parsed into our own syntax tree, type-checked, and compiled to
closures over a closed registry of functions. Python eval/exec is never used."""
