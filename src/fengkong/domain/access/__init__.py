"""Who may do what: roles and their duties, the authenticated principal, credentials and the
password policy for people. Pure: hashing, token verification and storage are ports."""
