"""WeChat: the server API client (login now; access tokens and subscribe messages with notifications)."""
