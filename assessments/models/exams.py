"""Question bank, exams, attempts and practice quizzes."""
