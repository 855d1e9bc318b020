"""Running behind proxies, sans-IO: who may speak for the client (``trust``), the forwarding
headers (``forwarded``), the PROXY protocol header (``protocol``), and the hook that applies
them to a connection (``hook``). Nothing here imports a loop, a socket or a clock."""
