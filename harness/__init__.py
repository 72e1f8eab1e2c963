"""What the tests and the benchmarks share to drive the real bot: fake platforms on 127.0.0.1
(fakes/), the bot as a child process (bot_process.py), a round-robin balancer in front of
webhook workers, PostgreSQL schemas of their own, a count of SQL statements and how long a test
waits for what the bot does (waiting.py). A development package: never shipped, never imported
by the product."""
