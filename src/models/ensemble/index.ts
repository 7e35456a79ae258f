// Ensembles' public classes and hyperparameter types.
export { Blend, type BlendConfig, type BlendMember, type BlendMemberInput, type BlendSettings } from './blend.ts';
