"""Trained models shipped in the wheel as package data; each folder has the script that rebuilds it."""
