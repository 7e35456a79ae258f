// Ensembles' public classes and hyperparameter types.
export { Blend, MemberScoreCache, type BlendConfig, type BlendMember, type BlendMemberInput, type BlendSettings } from './blend.ts';
