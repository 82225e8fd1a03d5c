/// Module Firewall: see docs/firewall.md.
public enum FirewallModule {}
