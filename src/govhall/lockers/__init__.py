"""24小时自助信包箱: locker sites, cabinets and cells; drop-off (自助交件), collection
(待收件), pick-up (自助取件) with one-time open codes (开箱码); the cabinets' signed API and
touch screen; locker delivery channels (our own cabinets and a third-party network) in the
delivery registry. See docs/lockers.md.

Other apps read lockers through ``selectors`` (the stations finder lists sites by
``LockerSite.code``) and change nothing here except through ``services``.
"""
