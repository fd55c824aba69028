"""The security audit log (安全审计): an append-only, hash-chained record of security events.

Other apps record through ``govhall.audit.services.record`` (its docstring is the API);
``manage.py verify_security_audit`` checks the chain, ``purge_security_audit`` keeps it
within its retention. See docs/security.md."""
