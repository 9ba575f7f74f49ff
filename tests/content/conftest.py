"""Print the question bank's test-wise guesser score at the end of every run that collects the
content tests, so `make test` shows the figure without `-s`."""

GUESSER_SCORE: list[str] = []


def pytest_terminal_summary(terminalreporter):
    if GUESSER_SCORE:
        terminalreporter.write_sep("-", "question bank psychometric lint")
        terminalreporter.write_line(GUESSER_SCORE[-1])
