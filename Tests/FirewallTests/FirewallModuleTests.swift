import Testing

@testable import Firewall
