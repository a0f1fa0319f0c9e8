"""Operations: alerts to the people who run the service."""
