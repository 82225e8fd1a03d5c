import Foundation

extension IDSLab {
    /// `sshd_config` in the lab's directory: sshd on the target's port 22 with its own host key and pid file,
    /// password logins only, no PAM.
    func writeSSHDConfig() throws {
        try run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", directory + "/hostkey"])
        let config = """
            Port 22
            ListenAddress \(IDSLab.target)
            HostKey \(directory)/hostkey
            PidFile \(directory)/sshd.pid
            UsePAM no
            PasswordAuthentication yes
            KbdInteractiveAuthentication no
            PubkeyAuthentication no
            PermitRootLogin no
            MaxStartups 100
            LoginGraceTime 20
            LogLevel INFO
            """
        try config.write(toFile: directory + "/sshd_config", atomically: true, encoding: .utf8)
    }

    /// One ssh connection from `source` with one wrong password for a user that does not exist.
    func guessPassword(from source: String) throws {
        try exec(
            attacker,
            [
                "sshpass", "-p", "wrong-password", "ssh", "-o", "StrictHostKeyChecking=no", "-o",
                "UserKnownHostsFile=/dev/null", "-o", "PreferredAuthentications=password", "-o",
                "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=1", "-o", "ConnectTimeout=3", "-b", source,
                "nosuchuser@" + IDSLab.target, "true",
            ])
    }
}
