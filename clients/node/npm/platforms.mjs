// The platforms a release carries, shared by pack.mjs and publish.mjs: Go's
// names (GOOS, GOARCH) and npm's (process.platform, process.arch); each has
// the package @sigrpc/<os>-<cpu>, packed as sigrpc-<os>-<cpu>-<version>.tgz.

export const PLATFORMS = [
  { goos: 'linux', goarch: 'amd64', os: 'linux', cpu: 'x64', label: 'Linux x64' },
  { goos: 'linux', goarch: 'arm64', os: 'linux', cpu: 'arm64', label: 'Linux arm64' },
  { goos: 'darwin', goarch: 'amd64', os: 'darwin', cpu: 'x64', label: 'macOS x64' },
  { goos: 'darwin', goarch: 'arm64', os: 'darwin', cpu: 'arm64', label: 'macOS arm64' },
  { goos: 'freebsd', goarch: 'amd64', os: 'freebsd', cpu: 'x64', label: 'FreeBSD x64' },
];
