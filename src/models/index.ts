// Interim: every model is now described by a spec; this file goes with the legacy registry.
