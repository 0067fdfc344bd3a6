"""Deployment files; the embedded broker's script and Maven pom ship in the wheel as package data."""
