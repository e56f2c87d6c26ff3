/// in_forward's `<security>` section (docs/forward-protocol.md, "Handshake"; parameters in docs/agent-parameters.md).
public struct ReceiverSecurity: Sendable {
    /// A `<user>`: credentials checked when `userAuth` is on.
    public struct User: Sendable, Hashable {
        public var username: String
        public var password: String
        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }
    }

    /// A `<client>`: a host or network, with an optional own shared key and allowed users.
    public struct Client: Sendable {
        public var match: ClientAddressMatcher
        public var sharedKey: String?
        /// Usernames allowed from this client; empty means all users.
        public var users: [String]
        public init(match: ClientAddressMatcher, sharedKey: String? = nil, users: [String] = []) {
            self.match = match
            self.sharedKey = sharedKey
            self.users = users
        }
    }

    public var selfHostname: String
    public var sharedKey: String
    public var userAuth: Bool
    public var allowAnonymousSource: Bool
    public var users: [User]
    public var clients: [Client]

    public init(selfHostname: String, sharedKey: String, userAuth: Bool = false, allowAnonymousSource: Bool = true,
                users: [User] = [], clients: [Client] = []) {
        self.selfHostname = selfHostname
        self.sharedKey = sharedKey
        self.userAuth = userAuth
        self.allowAnonymousSource = allowAnonymousSource
        self.users = users
        self.clients = clients
    }

    /// in_forward's configure-time checks.
    public func validate() throws {
        if userAuth && users.isEmpty {
            throw ReceiverError.configuration("<user> sections required if user_auth enabled")
        }
        if !allowAnonymousSource && clients.isEmpty {
            throw ReceiverError.configuration("<client> sections required if allow_anonymous_source disabled")
        }
    }

    /// The first `<client>` whose host or network contains `ip` (docs/forward-protocol.md, "Server-side PING checks", step 2).
    public func client(for ip: String) -> Client? {
        clients.first { $0.match.contains(ip) }
    }
}
