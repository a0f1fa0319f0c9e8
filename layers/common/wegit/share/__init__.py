"""Share codes: a short id per shared target (a repository, a developer, a trending page), its mini-program code
(WeChat's wxacode.getUnlimited) kept in S3, and github.com URLs resolved to the mini-program's pages."""
