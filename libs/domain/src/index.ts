export * from './triggers';
export * from './ids/deterministic-id';
export * from './actions/webhook-payload';
export * from './network/outbound-address-policy';
export * from './aggregation/time-window';
export * from './conditions/evaluate-condition';
export * from './conversations/conversation-state';
export * from './conversations/firing-policy';
