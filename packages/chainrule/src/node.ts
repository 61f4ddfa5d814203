// Node-only part of chainrule (`chainrule/node`): checkpoint files and MNIST read from the mnist package's files.

export * from '@chainrule/train/node';
