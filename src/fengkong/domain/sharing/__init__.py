"""Risk-information sharing between member institutions (003 §4.1.2, 001 §1.8-10): what a
subject is, the signed report that travels between institutions, and how the decision path
matches an event against what the consortium knows."""
