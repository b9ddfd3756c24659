"""Runs stages: the worker, cancellations, replay and dead letters. Imports the kernel and the stage
contract, never a stage."""
