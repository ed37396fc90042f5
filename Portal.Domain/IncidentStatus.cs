namespace Portal.Domain;

/// <summary>The life of a halt, in order. <see cref="QuorumReached"/> is entered and left by quorum itself.</summary>
public enum IncidentStatus
{
    Investigating,
    Fixing,
    Coordinating,
    QuorumReached,
    Resumed,
    Closed,
}
