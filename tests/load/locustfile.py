"""`make load`: users calling every route of the client contract the way the mini-program does."""

from __future__ import annotations

from locust import FastHttpUser, between, task

TOKEN = "ghp_" + "L0adT3stT0kenXw9Zq4Rv7Np2Mk5Jh8Gf1Ds"  # a fake token: the offline GitHub accepts any


class MiniProgramUser(FastHttpUser):
    wait_time = between(0.05, 0.25)

    def _get(self, path: str, name: str, **kwargs: object) -> None:
        with self.client.get(path, name=name, catch_response=True, **kwargs) as response:  # type: ignore[arg-type]
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

    @task(4)
    def trending_repositories(self) -> None:
        self._get("/trending-repositories?since=daily&language=python", "GET /trending-repositories")

    @task(2)
    def trending_developers(self) -> None:
        self._get("/trending-developers?since=weekly", "GET /trending-developers")

    @task(1)
    def trending_languages(self) -> None:
        self._get("/trending-languages", "GET /trending-languages")

    @task(2)
    def developer(self) -> None:
        self._get("/developers?name=octocat", "GET /developers?name=")

    @task(1)
    def login(self) -> None:
        self._get(f"/developers?token={TOKEN}", "GET /developers?token=")

    @task(2)
    def events(self) -> None:
        self._get(
            "/developers/octocat/events?page=2", "GET /developers/{name}/events", headers={"Authorization": TOKEN}
        )

    @task(2)
    def repository(self) -> None:
        self._get("/repositories?owner=octocat&name=Hello-World", "GET /repositories")

    @task(2)
    def search(self) -> None:
        self._get("/search/repositories?name=tetris&page=1", "GET /search/repositories")

    @task(1)
    def health(self) -> None:
        self._get("/health-check", "GET /health-check")
