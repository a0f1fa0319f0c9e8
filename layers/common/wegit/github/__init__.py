"""GitHub: the REST client, the credentials a call uses, projections, README HTML and the endpoint service."""
