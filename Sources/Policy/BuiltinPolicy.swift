/// The built-in policy: the spec's six agent roles with their exact capabilities, the default grant ceilings, the
/// tool catalogue and the product's protected paths. It is loaded through the same loader as a policy file, so a
/// file written like it — or like the spec's bare "Agent Default Capabilities" block — is a valid policy.
public enum BuiltinPolicy {
    public static let fileName = "<built-in policy>"

    public static let yaml = #"""
        # aiOS built-in security policy.
        policy:
          version: 1
          # No grant may ever reach into these (the product's own state and configuration).
          protected_paths: [/var/lib/aios, /etc/aios]

        # System Agent
        aios-agent-system:
          capabilities:
            - fs:read:*
            - fs:write:/etc/*
            - fs:write:/var/*
            - fs:mkdir:*
            - process:spawn:*
            - process:list:*
            - service:*
            - config:*

        # Network Agent
        aios-agent-network:
          capabilities:
            - net:*
            - firewall:*
            - dns:*
            - fs:read:/etc/network/*
            - fs:write:/etc/network/*

        # Security Agent
        aios-agent-security:
          capabilities:
            - sec:*
            - audit:*
            - crypto:*
            - fs:read:*              # Can read anything for auditing
            - monitor:*              # Can monitor everything

        # Monitor Agent
        aios-agent-monitor:
          capabilities:
            - monitor:*
            - metrics:*
            - alert:*
            - fs:read:/var/log/*
            - process:list:*

        # Package Agent
        aios-agent-package:
          capabilities:
            - pkg:*
            - fs:read:/etc/apt/*
            - fs:write:/etc/apt/*

        # Task Agent (gets temporary capabilities per task)
        aios-agent-task:
          capabilities: []            # Empty by default
          # Orchestrator grants specific capabilities per task, never beyond this ceiling.
          grant_ceiling:
            allow: [fs:*, process:*, net:connect:*, net:listen:*, pkg:install:*, service:*]
            exclude: [sec:*, audit:*, crypto:*, secret:*, firewall:*]

        tools:
          fs.read:         {capability: "fs:read:{path}", risk: low, args: {path: path}, summary: Read a file}
          fs.list:         {capability: "fs:read:{path}", risk: low, args: {path: path}, summary: List a directory}
          fs.write:
            capability: "fs:write:{path}"
            risk: medium
            args: {path: path, content: text}
            summary: Replace a file atomically, keeping a backup of the previous content
          fs.mkdir:        {capability: "fs:mkdir:{path}", risk: low, args: {path: path}, summary: Create a directory}
          fs.delete:       {capability: "fs:delete:{path}", risk: high, args: {path: path}, summary: Delete a file}
          process.spawn:
            capability: "process:spawn:{name}"
            risk: medium
            args: {name: name, args: text?}
            summary: Start an allow-listed executable by name, arguments as a list, never a shell
          process.list:    {capability: "process:list", risk: low, summary: List processes}
          process.kill:
            capability: "process:kill:{name}"
            risk: high
            args: {name: name, pid: integer?}
            summary: Signal a process by name (and pid)
          net.listen:      {capability: "net:listen:{port}", risk: medium, args: {port: port}, summary: Listen on a port}
          net.connect:
            capability: "net:connect:{host}:{port}"
            risk: medium
            args: {host: host, port: port}
            summary: Open an outbound connection
          pkg.install:     {capability: "pkg:install:{package}", risk: high, args: {package: name}, summary: Install a package}
          pkg.remove:      {capability: "pkg:remove:{package}", risk: high, args: {package: name}, summary: Remove a package}
          pkg.update:      {capability: "pkg:update:{package}", risk: medium, args: {package: name}, summary: Upgrade a package}
          pkg.pip_install:
            capability: "pkg:pip:{environment}:{package}"
            risk: high
            args: {environment: name, package: name}
            summary: Install a Python package into a named virtual environment
          service.start:   {capability: "service:start:{name}", risk: medium, args: {name: name}, summary: Start a service}
          service.stop:    {capability: "service:stop:{name}", risk: high, args: {name: name}, summary: Stop a service}
          service.restart: {capability: "service:restart:{name}", risk: medium, args: {name: name}, summary: Restart a service}
          service.status:  {capability: "service:status:{name}", risk: low, args: {name: name}, summary: Show a service's state}
          config.read:     {capability: "config:read:{key}", risk: low, args: {key: name}, summary: Read a configuration key}
          config.write:
            capability: "config:write:{key}"
            risk: medium
            args: {key: name, value: text}
            summary: Change a configuration key
          secret.read:     {capability: "secret:read:{name}", risk: medium, args: {name: name}, summary: Read a secret from the agent's keyring}
          firewall.allow:  {capability: "firewall:allow:{port}", risk: high, args: {port: port, reason: text}, summary: Open an inbound port}
          firewall.deny:   {capability: "firewall:deny:{port}", risk: medium, args: {port: port, reason: text}, summary: Close an inbound port}
          audit.query:     {capability: "audit:query", risk: low, summary: Query the audit ledger}
          monitor.read:    {capability: "monitor:read:{target}", risk: low, args: {target: name}, summary: Read a monitored value}
          metrics.read:    {capability: "metrics:read:{name}", risk: low, args: {name: name}, summary: Read a metric}
          alert.raise:     {capability: "alert:raise:{name}", risk: low, args: {name: name, message: text?}, summary: Raise an alert}
          # The security responses: the analysis loop carries out a validated verdict through these, as the
          # security agent, and that agent may call them itself (its role holds sec:*).
          sec.block_address:
            capability: "sec:block:{address}"
            risk: medium
            args: {address: host, reason: text}
            summary: Block an address at the firewall for an hour
          sec.freeze_agent:
            capability: "sec:freeze:{agent}"
            risk: high
            args: {agent: name, reason: text}
            summary: Freeze every process of an agent (it stays frozen until stopped)
          sec.stop_agent:  {capability: "sec:stop:{agent}", risk: high, args: {agent: name, reason: text}, summary: Stop an agent}
          sec.revoke_grant:
            capability: "sec:revoke:{grant}"
            risk: high
            args: {grant: name, reason: text}
            summary: Revoke a temporary grant (carried out on the confirmation's authority)
          sec.kill_task:   {capability: "sec:kill:{task}", risk: high, args: {task: name, reason: text}, summary: Kill a task container}
          sec.raise_alert: {capability: "sec:alert:{name}", risk: low, args: {name: name, message: text}, summary: Record a security alert}
        """#
}
