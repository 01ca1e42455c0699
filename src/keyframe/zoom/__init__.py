"""Zoom integration: linking Zoom accounts to a partner, their settings, tokens and deauthorization.

Reference: ``zoom-and-webex.md`` §1.2–1.6, 1.12–1.14 and §2. Files: ``models.py`` (``vendor_integrations``),
``objects.py`` (API types), ``settings.py`` (the integration's settings and their defaults), ``crypto.py``
(tokens encrypted at rest), ``client.py`` (Zoom's OAuth and REST calls), ``codes.py`` (the integration code),
``service.py`` (linking, the account limit, settings), ``tokens.py`` (refresh under a row lock),
``webhooks.py`` (signed events, deauthorization), ``pages.py`` (the linking pages), ``actions.py``
(``vendor_zoomvendor`` and ``vendor_vendorintegration``), ``tasks.py`` (jobs).
"""
