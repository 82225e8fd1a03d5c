"""Generated gRPC stubs for aios.security.v1 (scripts/gen-stubs.sh); do not edit."""
