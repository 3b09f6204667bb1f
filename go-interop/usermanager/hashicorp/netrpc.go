package hashicorp

import (
	"fmt"
	"net/rpc"

	"github.com/hashicorp/go-plugin"

	"rustplugin/go-interop/usermanager"
)

// The net/rpc messages: arguments, and replies that carry a status beside the answer, as reva's
// go-plugin user managers do (gob can carry neither an error nor a nil-able interface well).
type (
	// ClaimArgs are GetUserByClaim's arguments.
	ClaimArgs struct{ Claim, Value string }
	// Outcome is a reply's status (include/rp_common.h) and message.
	Outcome struct {
		Status  int
		Message string
	}
	// UserReply answers GetUser and GetUserByClaim.
	UserReply struct {
		User *usermanager.User
		Outcome
	}
	// GroupsReply answers GetUserGroups.
	GroupsReply struct {
		Groups []string
		Outcome
	}
	// UsersReply answers FindUsers.
	UsersReply struct {
		Users []*usermanager.User
		Outcome
	}
)

func outcomeOf(err error) Outcome { return Outcome{usermanager.StatusOf(err), message(err)} }

// netRPCPlugin is the plugin of protocol version 1.
type netRPCPlugin struct{ impl usermanager.Manager }

func (p *netRPCPlugin) Server(*plugin.MuxBroker) (any, error) { return &NetRPCServer{p.impl}, nil }

func (p *netRPCPlugin) Client(_ *plugin.MuxBroker, client *rpc.Client) (any, error) {
	return &netRPCClient{client}, nil
}

// NetRPCServer is the plugin process's net/rpc service (exported: net/rpc serves exported
// methods of exported types only).
type NetRPCServer struct{ impl usermanager.Manager }

// GetUser answers usermanager.Manager's GetUser.
func (s *NetRPCServer) GetUser(id usermanager.UserID, reply *UserReply) error {
	user, err := s.impl.GetUser(id)
	*reply = UserReply{user, outcomeOf(err)}
	return nil
}

// GetUserByClaim answers usermanager.Manager's GetUserByClaim.
func (s *NetRPCServer) GetUserByClaim(args ClaimArgs, reply *UserReply) error {
	user, err := s.impl.GetUserByClaim(args.Claim, args.Value)
	*reply = UserReply{user, outcomeOf(err)}
	return nil
}

// GetUserGroups answers usermanager.Manager's GetUserGroups.
func (s *NetRPCServer) GetUserGroups(id usermanager.UserID, reply *GroupsReply) error {
	groups, err := s.impl.GetUserGroups(id)
	*reply = GroupsReply{groups, outcomeOf(err)}
	return nil
}

// FindUsers answers usermanager.Manager's FindUsers.
func (s *NetRPCServer) FindUsers(query string, reply *UsersReply) error {
	users, err := s.impl.FindUsers(query)
	*reply = UsersReply{users, outcomeOf(err)}
	return nil
}

// netRPCClient is the host's side: every call waits for its answer (net/rpc has no deadline).
type netRPCClient struct{ client *rpc.Client }

func (c *netRPCClient) call(method string, args, reply any, outcome *Outcome) error {
	if err := c.client.Call("Plugin."+method, args, reply); err != nil {
		return fmt.Errorf("%w: net/rpc %s: %v", ErrUnavailable, method, err)
	}
	return answerError(outcome.Status, outcome.Message)
}

func (c *netRPCClient) GetUser(id usermanager.UserID) (*usermanager.User, error) {
	var reply UserReply
	if err := c.call("GetUser", id, &reply, &reply.Outcome); err != nil {
		return nil, err
	}
	return reply.User, nil
}

func (c *netRPCClient) GetUserByClaim(claim, value string) (*usermanager.User, error) {
	var reply UserReply
	if err := c.call("GetUserByClaim", ClaimArgs{claim, value}, &reply, &reply.Outcome); err != nil {
		return nil, err
	}
	return reply.User, nil
}

func (c *netRPCClient) GetUserGroups(id usermanager.UserID) ([]string, error) {
	var reply GroupsReply
	if err := c.call("GetUserGroups", id, &reply, &reply.Outcome); err != nil {
		return nil, err
	}
	return reply.Groups, nil
}

func (c *netRPCClient) FindUsers(query string) ([]*usermanager.User, error) {
	var reply UsersReply
	if err := c.call("FindUsers", query, &reply, &reply.Outcome); err != nil {
		return nil, err
	}
	return reply.Users, nil
}
