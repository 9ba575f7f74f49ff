"""Hands-on prompt demos: tasks, submissions, model calls and grades."""
