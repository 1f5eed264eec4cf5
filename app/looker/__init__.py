"""Everything about talking to Looker: the client, its wire, error mapping, result checks, embed signing."""
