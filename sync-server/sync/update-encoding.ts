/** The server's copy of the update writer lives with the protocol, since the client core slices updates with it. */
export * from '../../shared/protocol/update-encoding.ts';
