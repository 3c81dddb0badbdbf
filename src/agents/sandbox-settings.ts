/**
 * How agent turns are isolated (README "Security model"). `bwrap` (the default): every turn and every
 * git step kugetsu runs in an issue's repository runs under bubblewrap, seeing only that issue's
 * files and a read-only system. `off`: agents run as kugetsu's own user with nothing but an
 * allowlisted environment between them and kugetsu's token, state and other issues.
 */
export type SandboxMode = 'bwrap' | 'off';

/** The sandbox settings (`KUGETSU_AGENT_SANDBOX*` in README "Configuration"). */
export interface AgentSandboxSettings {
  mode: SandboxMode;
  /**
   * `open` (default): the sandbox shares the host's network, so the agent reaches its model.
   * `none`: a network namespace of its own with only a loopback interface (bwrap(1)
   * `--unshare-net`): nothing outside is reachable, the model included, unless the agent talks to
   * it through something else (future work: a proxy on a socket bound into the sandbox).
   */
  network: 'open' | 'none';
  /** Absolute host paths shown read-only at the same place, besides the system and the agent binary. */
  roPaths: string[];
  /** Absolute host paths hidden (an unreadable file or an empty directory in their place), besides {@link DEFAULT_HIDDEN_PATHS}. */
  hide: string[];
  /** The bubblewrap binary, a name on `PATH` or a path. Default `bwrap`. */
  bwrap: string;
}

/** Sandbox on, network open, nothing extra shown or hidden. */
export const DEFAULT_SANDBOX_SETTINGS: AgentSandboxSettings = { mode: 'bwrap', network: 'open', roPaths: [], hide: [], bwrap: 'bwrap' };

/**
 * System files and directories with secrets in them, hidden even though `/etc` is shown: password
 * hashes (shadow(5), gshadow(5)), TLS private keys, Kerberos keytabs, systemd credentials,
 * VPN/Wi-Fi secrets, sudo rules, the system-wide environment (pam_env(8) reads `/etc/environment`;
 * operators put proxies and tokens there), systemd units (an `Environment=GITEA_TOKEN=…` line in a
 * unit or drop-in is common) and the configuration files kugetsu and Gitea are usually given. SSH host private keys (`/etc/ssh/ssh_host_*_key`) are added when found.
 */
export const DEFAULT_HIDDEN_PATHS: readonly string[] = [
  '/etc/shadow',
  '/etc/shadow-',
  '/etc/gshadow',
  '/etc/gshadow-',
  '/etc/security/opasswd',
  '/etc/sudoers',
  '/etc/sudoers.d',
  '/etc/ssl/private',
  '/etc/pki/tls/private',
  '/etc/krb5.keytab',
  '/etc/credstore',
  '/etc/credstore.encrypted',
  '/etc/letsencrypt',
  '/etc/NetworkManager/system-connections',
  '/etc/wireguard',
  '/etc/ipsec.secrets',
  '/etc/ppp/chap-secrets',
  '/etc/ppp/pap-secrets',
  '/etc/environment',
  '/etc/systemd',
  '/etc/default/kugetsu',
  '/etc/kugetsu',
  '/etc/gitea',
];
