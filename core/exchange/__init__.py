"""Agency exchange (SPEC 7 and 16): files out to agencies and in from them, each with a header and
a trailer of record count and cents; every file named with the database's identity, never
overwritten, and recorded with its checksum so `verify` can tell a missing file from an altered one.

A kernel package: the workflows (Pre-Collections, external, roster) all write through it.
"""
