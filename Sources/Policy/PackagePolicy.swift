import Capabilities

/// Package installs (`packages:` in policy YAML): where packages may come from, which keys sign them, which
/// packages are pinned or forbidden, and which findings of a provenance report refuse an install outright or put
/// it before the orchestrator.
public struct PackagePolicy: Sendable, Equatable {
    /// What a provenance report can find in a package set.
    public enum Finding: String, Sendable, Equatable, CaseIterable, Codable {
        /// A maintainer script (Debian) or a build step that runs code at install (a Python source distribution).
        case installScript = "install_script"
        case scriptNetwork = "script_network"
        case scriptUsers = "script_users"
        case scriptServices = "script_services"
        case scriptProtectedPath = "script_protected_path"
        /// A script that decodes or evaluates text it builds (base64, eval, xxd): its effects cannot be read.
        case scriptObfuscated = "script_obfuscated"
        case setuid
        /// A file installed outside the directories packages normally use.
        case unusualPath = "unusual_path"
        /// A file installed in a protected path.
        case protectedPath = "protected_path"
        /// A package the request did not name, pulled in as a dependency.
        case newDependency = "new_dependency"
        /// A Python project name one edit away from a popular one.
        case typosquat
        /// A release younger than `pip.minimum_age`.
        case youngRelease = "young_release"
        case forbidden
        /// A package whose version differs from its pin.
        case pinMismatch = "pin_mismatch"
    }

    /// One signed apt repository (`deb URI SUITE COMPONENTS`).
    public struct AptRepository: Sendable, Equatable {
        public var name: String
        /// `http://` or `https://`, no query or fragment.
        public var uri: String
        public var suite: String
        public var components: [String]
        /// An OpenPGP keyring file (binary or armoured) whose keys may sign this repository's `InRelease`.
        public var key: String

        public init(name: String, uri: String, suite: String, components: [String], key: String) {
            self.name = name
            self.uri = uri
            self.suite = suite
            self.components = components
            self.key = key
        }
    }

    /// The Python package index and the virtual environments `pip` installs into.
    public struct Pip: Sendable, Equatable {
        /// A PEP 503/691 simple index, `http(s)://…`.
        public var index: String
        /// Named virtual environments (name → directory holding `bin/python`).
        public var environments: [String: String]
        /// Project names a typosquat imitates; a name one edit away from one of these is a finding.
        public var popular: [String]
        /// A release uploaded less than this long ago is a finding (nil: not checked).
        public var minimumAge: GrantDuration?

        public init(
            index: String = "https://pypi.org/simple", environments: [String: String] = [:],
            popular: [String] = Pip.defaultPopular, minimumAge: GrantDuration? = .seconds(7 * 86_400)
        ) {
            self.index = index
            self.environments = environments
            self.popular = popular
            self.minimumAge = minimumAge
        }

        /// Among the most downloaded projects of the Python index, and so the most imitated.
        public static let defaultPopular = [
            "boto3", "botocore", "urllib3", "requests", "setuptools", "certifi", "idna", "charset-normalizer",
            "typing-extensions", "python-dateutil", "packaging", "s3transfer", "aiobotocore", "six", "numpy",
            "pyyaml", "grpcio", "protobuf", "pip", "cryptography", "fsspec", "pydantic", "cffi", "attrs", "wheel",
            "pycparser", "pandas", "google-api-core", "jmespath", "pyasn1", "rsa", "platformdirs", "jinja2",
            "markupsafe", "click", "pytz", "colorama", "tomli", "filelock", "pluggy", "pytest", "virtualenv",
            "zipp", "importlib-metadata", "pyjwt", "wrapt", "aiohttp", "yarl", "multidict", "frozenlist",
            "psutil", "tqdm", "scipy", "pillow", "requests-oauthlib", "oauthlib", "sqlalchemy", "werkzeug",
            "flask", "django", "openai", "anthropic", "httpx", "httpcore", "h11", "anyio", "sniffio", "docutils",
            "matplotlib", "scikit-learn", "beautifulsoup4", "soupsieve", "lxml", "paramiko", "pynacl", "bcrypt",
            "tensorflow", "torch", "transformers", "tokenizers", "huggingface-hub", "regex", "redis", "psycopg2",
            "pymysql", "selenium", "websocket-client", "websockets", "rich", "pygments", "docker", "kubernetes",
            "ansible", "fastapi", "uvicorn", "starlette", "gunicorn", "celery", "setuptools-scm", "poetry",
        ]
    }

    /// Where `dpkg` installs (`/`; another directory holds a separate system, e.g. an image being built).
    public var root: String
    /// The unnamed uid (and gid) the sandboxed download and inspection run as; nothing else may use it.
    public var sandboxUID: UInt32
    /// How long resolving, downloading and inspecting one request may take.
    public var timeout: GrantDuration
    /// The most bytes one request may download.
    public var maximumDownload: UInt64
    public var repositories: [AptRepository]
    public var pip: Pip
    /// Packages that may never be installed (Debian or Python names).
    public var forbidden: [String]
    /// Packages that may only be installed at this exact version.
    public var pinned: [String: String]
    /// Paths no package may install into or a maintainer script mention (besides the policy's `protected_paths`
    /// and the daemon's own state, always added).
    public var protectedPaths: [String]
    /// Findings that refuse an install outright.
    public var refuse: Set<Finding>
    /// Findings that put even a call the Gate allows without confirmation (an upgrade) before the orchestrator.
    public var confirm: Set<Finding>

    public init(
        root: String = "/", sandboxUID: UInt32 = PackagePolicy.defaultSandboxUID,
        timeout: GrantDuration = .seconds(600),
        maximumDownload: UInt64 = 1 << 30, repositories: [AptRepository] = [], pip: Pip = Pip(),
        forbidden: [String] = [], pinned: [String: String] = [:],
        protectedPaths: [String] = PackagePolicy.defaultProtectedPaths,
        refuse: Set<Finding> = PackagePolicy.defaultRefuse,
        confirm: Set<Finding> = Set(Finding.allCases)
    ) {
        self.root = root
        self.sandboxUID = sandboxUID
        self.timeout = timeout
        self.maximumDownload = maximumDownload
        self.repositories = repositories
        self.pip = pip
        self.forbidden = forbidden
        self.pinned = pinned
        self.protectedPaths = protectedPaths
        self.refuse = refuse
        self.confirm = confirm
    }

    /// Just below the tasks' range (0x70000000): unnamed, far from login users, subuid ranges and agents' uids.
    public static let defaultSandboxUID: UInt32 = 0x6FFF_F000
    /// Where a package reaching is a privilege escalation: sudo rules, password hashes, root's home (its SSH
    /// keys), the preload list of the dynamic linker.
    public static let defaultProtectedPaths = [
        "/etc/sudoers", "/etc/sudoers.d", "/etc/shadow", "/etc/gshadow", "/root", "/etc/ld.so.preload",
    ]
    public static let defaultRefuse: Set<Finding> = [.protectedPath, .scriptProtectedPath, .forbidden, .pinMismatch]
    public static let `default` = PackagePolicy()
}
