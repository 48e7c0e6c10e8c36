//! TCPIP PROFILE emitter: TCPCONFIG TTLS snippets and OBEYFILE members per stack.
