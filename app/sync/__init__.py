"""Offline-first sync with a WebDAV server: the protocol client, sealed records, the merge and the run."""
