import Foundation
import Policy
import SecurityTesting
import Testing

@testable import Detection

/// ``SSHConsoleInstaller`` against the real `sshd -t`/`sshd -T` (no sshd runs): a configuration sshd would not
/// apply as the console needs is never left in place.
@Suite struct SSHConsoleInstallerTests {
    /// A directory with sshd's main configuration (including `sshd_config.d/*.conf`) and a host key.
    final class Etc {
        let path = NSTemporaryDirectory() + "aios-sshd-etc-\(getpid())-\(UUID().uuidString.prefix(8))"
        var dropIns: String { path + "/sshd_config.d" }
        var installer: SSHConsoleInstaller {
            SSHConsoleInstaller(configDirectory: dropIns, mainConfig: path + "/sshd_config")
        }

        /// `strictModes`: off by default, because the directory is below the world-writable `/tmp`.
        init(include: Bool = true, extra: String = "", strictModes: Bool = false) throws {
            try FileManager.default.createDirectory(atPath: dropIns, withIntermediateDirectories: true)
            let keygen = Process()
            keygen.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
            keygen.arguments = ["-q", "-t", "ed25519", "-N", "", "-f", path + "/hostkey"]
            try keygen.run()
            keygen.waitUntilExit()
            try """
            \(include ? "Include \(dropIns)/*.conf" : "")
            HostKey \(path)/hostkey
            PidFile \(path)/sshd.pid
            StrictModes \(strictModes ? "yes" : "no")
            \(extra)

            """.write(toFile: path + "/sshd_config", atomically: true, encoding: .utf8)
        }

        func config() throws -> SSHConsoleConfig {
            try SSHConsoleConfig(
                policy: consolePolicy(), authorizedKeysPath: path + "/authorized_keys", bannerPath: path + "/banner")
        }

        func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path + "/" + name) }

        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    @Test(.requiresRoot("sshd -T reads host keys")) func aGoodConfigurationIsInstalled() throws {
        let etc = try Etc()
        let settings = try etc.installer.install(etc.config(), banner: "hello\n")
        #expect(settings["passwordauthentication"] == ["no"])
        #expect(settings["allowusers"] == ["root@10.77.0.0/29"])
        #expect(try String(contentsOfFile: etc.installer.dropInPath, encoding: .utf8) == etc.config().dropIn())
        #expect(
            try String(contentsOfFile: etc.path + "/authorized_keys", encoding: .utf8) == etc.config().authorizedKeys())
        let mode = try FileManager.default.attributesOfItem(atPath: etc.path + "/authorized_keys")[.posixPermissions]
        #expect(mode as? Int == 0o600)
        #expect(!etc.exists("sshd_config.d/00-aios-console.conf.new"))
    }

    /// Another drop-in that sorts first turns passwords back on: sshd keeps its value, so nothing is installed.
    @Test(.requiresRoot("sshd -T reads host keys")) func anEarlierDropInThatOverridesASettingIsRefused() throws {
        let etc = try Etc()
        try "PasswordAuthentication yes\n".write(
            toFile: etc.dropIns + "/00-aaa-cloud.conf", atomically: true, encoding: .utf8)
        #expect(throws: SSHConsoleError.self) { try etc.installer.install(etc.config(), banner: "") }
        #expect(!etc.exists("sshd_config.d/00-aios-console.conf"))
        #expect(!etc.exists("authorized_keys"))
    }

    /// An `AllowUsers` elsewhere adds to ours (sshd appends them): it would widen who may log in.
    @Test(.requiresRoot("sshd -T reads host keys")) func anotherAllowUsersIsRefused() throws {
        let etc = try Etc(extra: "AllowUsers admin")
        #expect(throws: SSHConsoleError.self) { try etc.installer.install(etc.config(), banner: "") }
        #expect(!etc.exists("sshd_config.d/00-aios-console.conf"))
    }

    /// A main configuration that does not include the directory would never read the drop-in: it is put back.
    @Test(.requiresRoot("sshd -T reads host keys")) func aDropInSSHDNeverReadsIsRolledBack() throws {
        let etc = try Etc(include: false)
        try "old keys\n".write(toFile: etc.path + "/authorized_keys", atomically: true, encoding: .utf8)
        #expect(throws: SSHConsoleError.self) { try etc.installer.install(etc.config(), banner: "") }
        #expect(!etc.exists("sshd_config.d/00-aios-console.conf"))
        #expect(try String(contentsOfFile: etc.path + "/authorized_keys", encoding: .utf8) == "old keys\n")
        #expect(!etc.exists("banner"))
    }

    /// A main configuration sshd refuses: nothing is written.
    @Test(.requiresRoot("sshd -T reads host keys")) func anInvalidConfigurationWritesNothing() throws {
        let etc = try Etc(extra: "NoSuchKeyword yes")
        #expect(throws: SSHConsoleError.self) { try etc.installer.install(etc.config(), banner: "") }
        #expect(!etc.exists("sshd_config.d/00-aios-console.conf"))
        #expect(!etc.exists("authorized_keys"))
    }

    /// A keys file below a directory others can write is one sshd would refuse: the console would let nobody in.
    @Test(.requiresRoot("sshd -T reads host keys")) func aKeysFileSSHDWouldRefuseIsRefused() throws {
        let etc = try Etc(strictModes: true)
        #expect(throws: SSHConsoleError.self) { try etc.installer.install(etc.config(), banner: "") }
        #expect(!etc.exists("sshd_config.d/00-aios-console.conf"))
    }

    /// A stale pid file must not make reload signal another process.
    @Test(.requiresRoot("sshd -T reads host keys")) func reloadSignalsOnlySSHD() throws {
        let etc = try Etc()
        try etc.installer.install(etc.config(), banner: "")
        try "\(getpid())\n".write(toFile: etc.path + "/sshd.pid", atomically: true, encoding: .utf8)
        #expect(throws: SSHConsoleError.self) { try etc.installer.reload() }
    }
}
