// Package outwatch notices when nobody can read a process's output any
// more: the far end of its stdout pipe or socket has been closed by every
// process that held it. sigrpc uses it to stop work whose answers can no
// longer be delivered, even when it has nothing to write yet.
package outwatch
