/// Module Detection: see docs/ids.md.
public enum DetectionModule {}
