export { addInto, amountOf, formatAmount, formatAmounts, type Amounts } from './amounts.js';
export { checkFit, NODE_PORTS, type FitFailure, type PodDemand } from './fit.js';
export { allocatableOf, readCapacity, readNodeResources, type NodeResources, type ReservationSettings } from './node.js';
export { hostPorts, portsClash, type HostPort } from './ports.js';
export { podLimits, podRequests } from './requests.js';
export { PodAdmitter, type AdmissionCandidate, type AdmissionVerdict, type NodeAdmissionSummary, type PodAdmitterOptions, type WaitingPodView } from './admitter.js';
export { matchesNode, nodeLabels, NODE_AFFINITY } from './affinity.js';
